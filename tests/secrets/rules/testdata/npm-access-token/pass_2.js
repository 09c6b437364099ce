const t = "npm_J0iSmP13cf19W2GPyk97";
