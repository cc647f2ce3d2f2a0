"""The complaint/escalation risk model: labels from the user's own fields, conversation
features, a calibrated linear Pipeline, a model card, reasons in words, safe storage."""

from qa_toolkit.risk.labels import Label, parse_label
from qa_toolkit.risk.model import RiskModel, evaluate_model, predict_risk, risk_frame, train_and_score, train_model
from qa_toolkit.risk.store import load_model, save_model

__all__ = [
    "Label",
    "RiskModel",
    "evaluate_model",
    "load_model",
    "parse_label",
    "predict_risk",
    "risk_frame",
    "save_model",
    "train_and_score",
    "train_model",
]
