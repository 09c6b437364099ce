"""Settings for the demo app."""
import os

DEBUG = False
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://localhost/app")
db_password = "Tr0ub4dor&3xQ"
AWS_ACCESS_KEY_ID = "AKIAUJZDEGXDNCF32EPF"
empty_password = ""
template_password = "${DB_PASSWORD}"
