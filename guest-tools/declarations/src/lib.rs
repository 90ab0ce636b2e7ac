//! MEPs' declarations (conflicts of interest, financial interests).

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![]
}

guest_client::component!("declarations", tools);
