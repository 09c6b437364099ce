curl --header "JOB-TOKEN: glcbt-2L_nCAo_Vrw-hFNzf5iEWEK" "https://gitlab.corp/api/v4/jobs/4411/artifacts"
