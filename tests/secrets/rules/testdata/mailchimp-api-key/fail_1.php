<?php
$mailchimp->setConfig(['apiKey' => 'dfb1a3dbc1eaa67818ff60ba42be232a-us99', 'server' => 'us14']);
