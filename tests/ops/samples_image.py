"""Samples for tf.image ops."""

SAMPLES = {
    "ResizeImage": [lambda r: ([r.standard_normal((2, 4, 5, 3))], {"size": (3, 7),
                                                                    "method": "bilinear"}),
                    lambda r: ([r.standard_normal((1, 4, 5, 1))], {"size": (8, 3),
                                                                    "method": "nearest"})],
    "ResizeImageGrad": [lambda r: ([r.standard_normal((2, 3, 7, 3)),
                                    r.standard_normal((2, 4, 5, 3))], {"method": "bilinear"})],
}

SKIP_GRADIENT = {
    "ResizeImage": "bilinear output is float32 by TensorFlow's rule: checked in test_image_ops",
}

