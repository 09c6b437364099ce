# ruff: noqa
csrf_token = request.cookies.get("csrftoken")
next_token = response["NextToken"]
