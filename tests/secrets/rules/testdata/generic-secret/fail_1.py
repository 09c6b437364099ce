# ruff: noqa
SECRET_KEY = "ra9nrNgCO3r4gbm1Sd5H30dO4DraTeQMXvtTA8dv"
DEBUG = False
