{:deploy-repositories [["clojars" {:url "https://repo.clojars.org"
                                  :username "corp"
                                  :password "CLOJARS_lp20132silszr215tnvfhgleouerqk5eahvfeo04ua6ywo6zoyrnpcck1r99"}]]}
