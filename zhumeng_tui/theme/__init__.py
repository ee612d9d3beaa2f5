"""The app theme (app.tcss), shipped as package data."""
