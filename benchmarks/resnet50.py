"""resnet50: ResNet50 inference, one 224x224 image and a batch of 32.

skdeep runs ``skdeep.nn.applications.ResNet50(weights=None)`` (random
weights; the work does not depend on their values); PyTorch runs the same
architecture written here in plain ``torch.nn`` (torchvision cannot be
installed beside the CPU torch build used for the benchmarks), in
``inference_mode`` and eval mode. Figures: median milliseconds of
``predict`` over a few calls after one warm-up call.
"""
import statistics
import time

from benchmarks import common

WORKLOADS = {"resnet50": {"calls": 5}}
FIGURES = {
    "one_image_ms": ("predict 1x224x224x3: ms", "lower"),
    "batch32_ms": ("predict 32x224x224x3: ms", "lower"),
    "batch32_images_per_s": ("batch of 32: images/s", "higher"),
}


def _time(fn, x, calls):
    fn(x)  # warm-up: kernels, allocator
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _figures(fn, make_input, calls):
    one = _time(fn, make_input(1), calls)
    batch = _time(fn, make_input(32), max(2, calls // 2))
    return {"one_image_ms": one * 1e3, "batch32_ms": batch * 1e3,
            "batch32_images_per_s": 32 / batch}


def run_skdeep(workload, calls):
    import numpy as np

    from skdeep.nn import applications

    model = applications.ResNet50(weights=None)
    rng = np.random.default_rng(common.SEED)

    def make_input(n):
        return rng.uniform(-120, 120, (n, 224, 224, 3)).astype(np.float32)

    return _figures(lambda x: model.predict(x, batch_size=32, verbose=0), make_input, calls)


def _torch_resnet50(torch):
    nn = torch.nn

    class Bottleneck(nn.Module):
        def __init__(self, cin, filters, stride, shortcut):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(cin, filters, 1, stride), nn.BatchNorm2d(filters, eps=1.001e-5),
                nn.ReLU(), nn.Conv2d(filters, filters, 3, padding=1),
                nn.BatchNorm2d(filters, eps=1.001e-5), nn.ReLU(),
                nn.Conv2d(filters, 4 * filters, 1), nn.BatchNorm2d(4 * filters, eps=1.001e-5))
            self.shortcut = nn.Sequential(nn.Conv2d(cin, 4 * filters, 1, stride),
                                          nn.BatchNorm2d(4 * filters, eps=1.001e-5)) \
                if shortcut else nn.Identity()

        def forward(self, x):
            return torch.relu(self.shortcut(x) + self.body(x))

    layers = [nn.ZeroPad2d(3), nn.Conv2d(3, 64, 7, 2), nn.BatchNorm2d(64, eps=1.001e-5),
              nn.ReLU(), nn.ZeroPad2d(1), nn.MaxPool2d(3, 2)]
    cin = 64
    for filters, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for b in range(blocks):
            layers.append(Bottleneck(cin, filters, stride if b == 0 else 1, b == 0))
            cin = 4 * filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000), nn.Softmax(dim=1)]
    return nn.Sequential(*layers)


def run_torch(workload, calls):
    torch = common.import_or_skip("torch")
    common.torch_threads(torch)
    torch.manual_seed(0)
    model = _torch_resnet50(torch).eval()
    n_params = sum(p.numel() for p in model.parameters())
    gen = torch.Generator().manual_seed(common.SEED)

    def make_input(n):
        return torch.rand((n, 3, 224, 224), generator=gen) * 240 - 120

    def predict(x):
        with torch.inference_mode():
            return model(x).numpy()

    figures = _figures(predict, make_input, calls)
    figures["note"] = f"plain torch.nn ResNet50, {n_params:,} parameters, NCHW"
    return figures
