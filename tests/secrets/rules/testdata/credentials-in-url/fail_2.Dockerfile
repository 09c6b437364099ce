FROM python:3.12-slim
RUN pip install --index-url https://pypi-user:rcBay6oPRXHBcq4SdVMO@pypi.corp.internal/simple/ app==1.2
