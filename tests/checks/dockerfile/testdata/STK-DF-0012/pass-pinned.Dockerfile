FROM python:3.12.4-slim
RUN pip install --no-cache-dir -r requirements.txt
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
RUN pip install --no-cache-dir -e .
RUN pip install --no-cache-dir gunicorn==22.0.0 ./dist/app-1.0-py3-none-any.whl
RUN pip install --no-cache-dir -c constraints.txt flask
RUN npm ci --omit=dev
RUN npm install
RUN npm install -g pnpm@9.1.0
RUN gem install bundler -v 2.5.10
RUN gem install rake:13.2.1
RUN go install golang.org/x/tools/gopls@v0.16.0
RUN go install ./cmd/app
RUN go build ./...
