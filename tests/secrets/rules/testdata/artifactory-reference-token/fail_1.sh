jf config add corp --url https://corp.jfrog.io --access-token cmVmdGtuOjAxOjFN1xTTg8hcDtPS0aIozQD4kUeLJXWDfHipv1DcHBiaVDIUZhhQ
