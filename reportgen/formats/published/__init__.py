"""Reading published reports back into the model."""
