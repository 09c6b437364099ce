export IBMCLOUD_API_KEY="$(cat /run/secrets/ibm)"
