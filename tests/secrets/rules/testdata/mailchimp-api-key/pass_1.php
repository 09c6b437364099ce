<?php
$hash = '5e1e8cd80e92ac7548b8b68019f1ec8a';
$region = 'us-east-1';
