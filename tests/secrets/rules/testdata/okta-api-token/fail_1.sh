curl -H "Authorization: SSWS 00hAvLdhnEqTLqQnfq_xQ2GitfQBaB2UjN5UXYckNR" https://corp.okta.com/api/v1/users
