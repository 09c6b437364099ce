# ruff: noqa
msg.send()  # SG.
