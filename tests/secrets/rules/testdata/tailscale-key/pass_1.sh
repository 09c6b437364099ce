tailscale up --authkey=tskey-auth-XXXX --advertise-tags=tag:ci
