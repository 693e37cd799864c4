import numpy as np

from synaptic_core.training.evaluate import confusion_matrix, per_class_accuracy


def test_confusion_rows_are_true_classes():
    m = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert per_class_accuracy(m) == [0.5, 1.0, 0.0]


def test_per_class_accuracy_of_an_absent_class_is_none():
    assert per_class_accuracy(np.array([[2, 0], [0, 0]])) == [1.0, None]
