<?php
$gateway = new Braintree\Gateway(['accessToken' => 'access_token$sandbox$gf1l1omtytf7jriz$461d3e384d85bb4d025f58d48598bc09']);
