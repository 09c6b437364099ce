curl -H "Authorization: Bearer $TOKEN" https://api.corp.internal/v1/orders
