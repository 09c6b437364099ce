"""Where bytes come from: files, directories, stdin, rendered kustomizations."""
