"""The filter language: conditions and output strings, parsed and compiled once."""
