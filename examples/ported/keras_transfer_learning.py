"""Transfer learning & fine-tuning -- a port of the keras-io guide.

Source: https://github.com/keras-team/keras-io/blob/master/guides/transfer_learning.py
(author: fchollet), Apache License 2.0. The code is the guide's Keras 3
version without tf.data and downloads; changes are marked ``# skdeep:``:
the imports; the cats-vs-dogs images (tensorflow_datasets) become a few
local random images held in NumPy arrays, so the guide's ``ds.map`` steps
are applied to the arrays; the plots are left out; and the base model is
MobileNetV2 without pre-trained weights, because Xception is not among
skdeep's applications and its ImageNet weights would be a download.
"""
# %% Setup
import numpy as np

import skdeep.nn as keras  # skdeep: was `import keras`
from skdeep.nn import layers  # skdeep: was `from keras import layers`

# %% Freezing layers: understanding the trainable attribute
layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

layer = keras.layers.BatchNormalization()
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights
layer.trainable = False  # Freeze the layer

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

# Make a model with 2 layers
layer1 = keras.layers.Dense(3, activation="relu")
layer2 = keras.layers.Dense(3, activation="sigmoid")
model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])

# Freeze the first layer
layer1.trainable = False

# Keep a copy of the weights of layer1 for later reference
initial_layer1_weights_values = layer1.get_weights()

# Train the model
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))

# Check that the weights of layer1 have not changed during training
final_layer1_weights_values = layer1.get_weights()
np.testing.assert_allclose(
    initial_layer1_weights_values[0], final_layer1_weights_values[0]
)
np.testing.assert_allclose(
    initial_layer1_weights_values[1], final_layer1_weights_values[1]
)

# %% Recursive setting of the trainable attribute
inner_model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        keras.layers.Dense(3, activation="relu"),
        keras.layers.Dense(3, activation="relu"),
    ]
)

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        inner_model,
        keras.layers.Dense(3, activation="sigmoid"),
    ]
)

model.trainable = False  # Freeze the outer model

assert inner_model.trainable == False  # All layers in `model` are now frozen
assert inner_model.layers[0].trainable == False  # `trainable` is propagated recursively

# %% Getting the data
# skdeep: instead of tfds.load("cats_vs_dogs", ...): a few random images and labels
rng = np.random.default_rng(0)
train_x = rng.integers(0, 256, size=(8, 180, 200, 3)).astype("float32")
train_y = rng.integers(0, 2, size=(8,)).astype("float32")
validation_x = rng.integers(0, 256, size=(4, 180, 200, 3)).astype("float32")
validation_y = rng.integers(0, 2, size=(4,)).astype("float32")
test_x = rng.integers(0, 256, size=(4, 180, 200, 3)).astype("float32")
test_y = rng.integers(0, 2, size=(4,)).astype("float32")

print(f"Number of training samples: {len(train_x)}")
print(f"Number of validation samples: {len(validation_x)}")
print(f"Number of test samples: {len(test_x)}")
batch_size = 8  # skdeep: 64 -> 8 (8 training images)

# %% Standardizing the data
resize_fn = keras.layers.Resizing(150, 150)

# skdeep: the guide maps resize_fn over tf.data datasets; here it runs on the arrays
train_x = resize_fn(train_x)
validation_x = resize_fn(validation_x)
test_x = resize_fn(test_x)

# %% Using random data augmentation
augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
]


def data_augmentation(x):
    for layer in augmentation_layers:
        x = layer(x)
    return x


train_x = data_augmentation(train_x)  # skdeep: applied to the arrays, not mapped

# skdeep: the guide batches and prefetches the datasets here; fit batches the arrays

# %% Build a model
base_model = keras.applications.MobileNetV2(  # skdeep: was Xception(weights="imagenet")
    weights=None,  # skdeep: no download
    input_shape=(150, 150, 3),
    include_top=False,
)  # Do not include the ImageNet classifier at the top.

# Freeze the base_model
base_model.trainable = False

# Create new model on top
inputs = keras.Input(shape=(150, 150, 3))

# Pre-trained Xception weights requires that input be scaled
# from (0, 255) to a range of (-1., +1.), the rescaling layer
# outputs: `(inputs * scale) + offset`
scale_layer = keras.layers.Rescaling(scale=1 / 127.5, offset=-1)
x = scale_layer(inputs)

# The base model contains batchnorm layers. We want to keep them in inference mode
# when we unfreeze the base model for fine-tuning, so we make sure that the
# base_model is running in inference mode here.
x = base_model(x, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
x = keras.layers.Dropout(0.2)(x)  # Regularize with dropout
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

model.summary(show_trainable=True)

# %% Train the top layer
model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

epochs = 2
print("Fitting the top layer of the model")
model.fit(
    train_x,
    train_y,
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(validation_x, validation_y),
)

# %% Do a round of fine-tuning of the entire model
# Unfreeze the base_model. Note that it keeps running in inference mode
# since we passed `training=False` when calling it. This means that
# the batchnorm layers will not update their batch statistics.
# This prevents the batchnorm layers from undoing all the training
# we've done so far.
base_model.trainable = True
model.summary(show_trainable=True)

model.compile(
    optimizer=keras.optimizers.Adam(1e-5),  # Low learning rate
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

epochs = 1
print("Fitting the end-to-end model")
model.fit(
    train_x,
    train_y,
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(validation_x, validation_y),
)

print("Test dataset evaluation")
model.evaluate(test_x, test_y, batch_size=batch_size)
