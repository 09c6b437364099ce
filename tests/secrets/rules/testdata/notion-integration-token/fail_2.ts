const notion = new Client({ auth: "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" });
