npx rdme openapi openapi.yaml --key="$README_API_KEY"
