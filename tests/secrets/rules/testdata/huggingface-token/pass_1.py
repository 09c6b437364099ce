# ruff: noqa
login(token="hf_XUuftYVEmrfLtWyFVRbP")
repo = "hf_9692044763014013188048967579361826"
