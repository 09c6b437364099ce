# ruff: noqa
engine = create_engine("mssql+pyodbc://@reports-dsn")
