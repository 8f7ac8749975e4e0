from .mutual_learning import MutualLearningClassifier

__all__ = ["MutualLearningClassifier"]
