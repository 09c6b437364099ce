# syntax=docker/dockerfile:1
FROM debian:12
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends ca-certificates
EOF
# a comment right after the terminator
RUN <<-'SCRIPT' bash
	echo "$HOME"
	  SCRIPT
	SCRIPT
COPY <<conf.ini <<"notes.txt" /etc/app/
[main]
key = $VALUE
conf.ini
no $expansion here
notes.txt
RUN python3 <<PY > /tmp/out
import os
print(os.getcwd())
PY
RUN cat <<A && sh -e <<B
not a script
A
echo from-b | tee /tmp/b
B
RUN <<EOF
#!/usr/bin/env python3
print("shebang script, not shell")
EOF
RUN ["<<EOF"]
USER <<NOT_A_HEREDOC
