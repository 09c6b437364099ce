curl -sS -H "Authorization: Bearer gP2QbWDNPoWMdVurM9JYMF0EHguSO-dfBJYxvTC1" https://api.corp.internal/v1/orders
