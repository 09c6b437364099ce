# ruff: noqa
from jira import JIRA

jira = JIRA("https://corp.atlassian.net", basic_auth=("ops@corp.example.org",
    "ATATT3xFfGF0ZusL2xHs4kakB-AufGJqYjo8yDBfLcdaSCSobGzzQo8y3X4N_kfbhR_FR2rpbKYfC9sXTzDRnEKXWcUUSDSPkk6Nes8RtjSce7jxd_jaJIYSAp-1Mg3YcjIsd2YSmAsfTEoVfYcLn71QpCTOXiX-nxEa0uyfKyTLjStdQTnXq2uz=B1A38A7E"))
