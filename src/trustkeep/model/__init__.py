"""The `trustkeep.yaml` model: pydantic models with binding key names, and its loader."""

from trustkeep.model.document import Model
from trustkeep.model.load import load_model
from trustkeep.model.standard import Standard, Tier

__all__ = ["Model", "Standard", "Tier", "load_model"]
