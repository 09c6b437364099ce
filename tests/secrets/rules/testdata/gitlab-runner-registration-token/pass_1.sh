gitlab-runner register --registration-token GR1348941
