window.NREUM.loader_config = { licenseKey: "NRJS-db07f489f1054ad9590", applicationID: "941125255" };
