<?php
$gateway = new Braintree\Gateway([
    'accessToken' => 'access_token$production$0la4gcgrywn4tihj$b2ab8b263c2f706228be463d9227ef64'
]);
