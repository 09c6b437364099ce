git clone https://x-access-token:ghs_fRDJz3vl9Z6PxplKLJECZcgG646ZwWhOVTt5@github.com/corp/infra.git
