# ruff: noqa
DSN = "postgresql://%s:%s@%s/%s" % (user, pw, host, name)
EXAMPLE = "postgresql://app:<password>@db/app"
