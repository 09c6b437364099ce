# ruff: noqa
password = os.environ["DB_PASSWORD"]
PASSWORD_MIN_LENGTH = "12"
if password == "hunter2hunter2":
    pass
password_hash = "$2b$12$3Vt5Oz.Lf6ikxiKILYBARwIGPj2l/UVIV71Fkzsq45qQW/T5endPm"
