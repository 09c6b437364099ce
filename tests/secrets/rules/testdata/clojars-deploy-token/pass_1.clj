{:deploy-repositories [["clojars" {:password :env/clojars_token}]]}
