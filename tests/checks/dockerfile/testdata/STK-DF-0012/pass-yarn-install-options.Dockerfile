FROM node:20.15.1-bookworm
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile --network-timeout 600000
RUN yarn install --mutex network:31997 --cache-folder /tmp/yc
RUN yarn --cwd /app install --modules-folder /app/nm --registry https://registry.yarnpkg.com
RUN yarn add --network-timeout 600000 left-pad@1.3.0
RUN gem install bundler -v "$(grep -A 1 'BUNDLED WITH' Gemfile.lock | tail -n 1)"
RUN gem install rake --version "${RAKE_VERSION}"
