const supabase = createClient(url, "sb_publishable_T_sA3CnKhFsvfbmnVotYBKvCgj0QDNh");
