const supabase = createClient(url, "sb_secret_jDVtXJZLNwkNmyY2ozrBJTEASO-DVJC");
