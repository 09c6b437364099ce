# expect: 11
# expect: 12
# expect: 13
# expect: 14
# expect: 15
# expect: 16
# expect: 17
# expect: 18
# expect: 21
FROM python:3.12.4-slim
RUN pip install flask
RUN pip install --no-cache-dir -r requirements.txt gunicorn
RUN python3 -m pip install 'requests>=2.31'
RUN npm install -g pnpm
RUN npm i express@^4.19.2
RUN yarn global add serve@latest
RUN gem install rails
RUN go install golang.org/x/tools/cmd/goimports@latest
RUN <<EOF
set -e
pip install --no-cache-dir httpx
EOF
