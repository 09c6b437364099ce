echo "dckr_pat_sVNeOecwIrl2SpfY921-tCueBhF" | docker login -u ci-bot --password-stdin
