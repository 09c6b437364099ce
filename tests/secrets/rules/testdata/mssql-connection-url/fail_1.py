# ruff: noqa
engine = create_engine("mssql+pyodbc://report:Ms#2mUDTjZd8mrV0SB@sql.internal/reports?driver=ODBC+Driver+18+for+SQL+Server")
