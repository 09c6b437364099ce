window.NREUM.loader_config = { licenseKey: "NRJS-" };
