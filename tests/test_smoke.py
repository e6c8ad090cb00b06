

def test_login_page_is_french(client):
    response = client.get("/connexion")
    assert response.status_code == 200
    assert "Connexion au portail" in response.get_data(as_text=True)


def test_demo_login_and_dashboard(portal):
    client = portal.login_as("mediation.a")
    page = client.get("/tableau-de-bord").get_data(as_text=True)
    assert "Grand Parc Connecté" in page
    assert "Carnet" in page  # the out-of-tree plugin's nav item
