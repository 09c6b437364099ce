#!/bin/bash
export IBMCLOUD_API_KEY="g_fvJeRHIWBhcXunedBSSitxfaZoduJxD6wc-gdNCDD3"
ibmcloud login --apikey "$IBMCLOUD_API_KEY" -r us-south
