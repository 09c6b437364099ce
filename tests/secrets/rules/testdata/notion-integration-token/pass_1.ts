const notion = new Client({ auth: process.env.NOTION_TOKEN });
const name = "secret_sauce";
