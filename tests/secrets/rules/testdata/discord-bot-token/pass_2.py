# ruff: noqa
log.debug("NnSXH7CH7svhY5fKkkfIac7ALU.aG7iVt.0V29vU3TowPpoyWIan9u18O1uPsiWPaOQpY5ng")  # token-shaped, but no discord key name
