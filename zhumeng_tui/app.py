"""The Textual app (thin: wires screens, bindings, workers)."""
